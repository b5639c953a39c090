"""A sign-in URL for the AWS web console, made from a profile's credentials.

The AWS sign-in federation endpoint exchanges temporary credentials for a sign-in token
(``Action=getSigninToken``); the login URL (``Action=login``) carries that token, which works
for 15 minutes and opens a console session as the credentials' identity. It accepts temporary
credentials only: a profile with an IAM user's long-term keys first gets them from STS
``GetFederationToken``, named after the user, with a session policy that allows everything, so
that the user's own policies decide what the console may do (the intersection of both).

The URL and the session document are credentials: they never appear in an error message.
botocore's HTTP errors quote the request URL, which holds the session document here, so every
failure of the endpoint call is reported with the endpoint alone.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from awsprofiles.aws.errors import Endpoint, classify, refused_action
from awsprofiles.errors import BadInput, CheckFailed
from awsprofiles.model import Credentials
from awsprofiles.store import Paths

#: How the environment points the tests (or a proxy) at another federation endpoint.
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_SIGNIN"
ISSUER = "profiles"
#: STS signs with a region when the profile names none (the global endpoint's).
#: GetFederationToken's own default is 12 hours: a console session opened by a command lasts 1.
DEFAULT_FEDERATION_SECONDS = 3600
TIMEOUT_SECONDS = 10.0
#: What GetFederationToken's session may do: everything the user's own policies allow.
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


@dataclass(frozen=True)
class Partition:
    signin: str
    console: str


PARTITIONS = {
    "aws": Partition("https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com"),
    "aws-us-gov": Partition(
        "https://signin.amazonaws-us-gov.com/federation", "https://console.amazonaws-us-gov.com"
    ),
    "aws-cn": Partition("https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn"),
}
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def partition_of(arn: str | None, region: str | None) -> str:
    """The partition an ARN names, else the one a region belongs to (``aws`` by default)."""
    if arn and arn.startswith("arn:") and arn.count(":") >= 5:
        return arn.split(":")[1]
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    if region and region.startswith("cn-"):
        return "aws-cn"
    return "aws"


def check_destination(destination: str | None) -> None:
    """Refuse, before any AWS call, what is neither a console URL nor a service name."""
    if destination is None or destination.startswith("https://") or _SERVICE.match(destination):
        return
    raise BadInput(
        f"--destination {destination!r} is neither a console URL (https://...) nor a service name "
        "such as ec2 or s3"
    )


def destination_url(destination: str | None, partition: str, region: str | None) -> str:
    """A full https URL as given; a service name (``ec2``) as its console page; else the home page."""
    check_destination(destination)
    console = PARTITIONS[partition].console
    query = f"?{urlencode({'region': region})}" if region else ""
    if destination is None:
        return f"{console}/console/home{query}"
    if destination.startswith("https://"):
        return destination
    return f"{console}/{destination}/home{query}"


def federation_name(user_arn: str) -> str:
    """GetFederationToken's Name (2-32 of ``[\\w+=,.@-]``): the IAM user's name."""
    from awsprofiles.aws.iam import sts_name

    return sts_name(user_arn.rsplit("/", 1)[-1], 32)


def federation_credentials(
    paths: Paths, profile: str, keys: Credentials, duration: int | None
) -> tuple[Credentials, str]:
    """Temporary credentials for an IAM user's long-term keys, and the user's ARN."""
    from botocore.exceptions import ClientError

    from awsprofiles.aws.session import client_with_key

    sts = client_with_key(paths, profile, "sts", keys.access_key_id, keys.secret_access_key, keys.region)
    try:
        user_arn = str(sts.get_caller_identity()["Arn"])
        if ":user/" not in user_arn:
            raise CheckFailed(
                f"profile {profile!r} holds the keys of {user_arn}, not of an IAM user: AWS gives console "
                "sessions for keys only through GetFederationToken, which needs an IAM user's keys",
                "other",
            )
        token = sts.get_federation_token(
            Name=federation_name(user_arn),
            Policy=ALLOW_ALL,
            DurationSeconds=duration or DEFAULT_FEDERATION_SECONDS,
        )["Credentials"]
    except CheckFailed:
        raise
    except Exception as error:
        failed = classify(error, profile)
        if failed.code == "denied" and isinstance(error, ClientError):
            action = refused_action(error)
            raise CheckFailed(
                f"profile {profile!r}: AWS denied {action}. The console needs temporary credentials, "
                "which an IAM user's keys get from sts:GetFederationToken: allow that action in the "
                "user's policies (Resource arn:aws:sts::ACCOUNT:federated-user/*), or open the console "
                "with a role profile",
                "denied",
                failed.aws_code,
            ) from None
        raise failed from None
    return (
        Credentials(
            access_key_id=str(token["AccessKeyId"]),
            secret_access_key=str(token["SecretAccessKey"]),
            session_token=str(token["SessionToken"]),
            expiration=token.get("Expiration"),
            region=keys.region,
        ),
        user_arn,
    )


def signin_endpoint(partition: str) -> str:
    return os.environ.get(ENDPOINT_VARIABLE) or PARTITIONS[partition].signin


def signin_token(
    paths: Paths, profile: str, credentials: Credentials, endpoint: str, session_duration: int | None
) -> str:
    """Exchange temporary credentials for a sign-in token at the federation endpoint."""
    from botocore.awsrequest import AWSRequest
    from botocore.exceptions import BotoCoreError
    from botocore.httpsession import URLLib3Session
    from botocore.utils import get_environ_proxies

    from awsprofiles.aws.session import make_session

    assert credentials.session_token is not None
    document = json.dumps(
        {
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        }
    )
    query = {"Action": "getSigninToken", "Session": document}
    if session_duration is not None:
        query["SessionDuration"] = str(session_duration)
    url = f"{endpoint}?{urlencode(query)}"
    # The profile's ca_bundle (or AWS_CA_BUNDLE) and the proxy variables, as for any AWS call.
    verify = make_session(paths, profile).get_config_variable("ca_bundle") or True
    http = URLLib3Session(verify=verify, proxies=get_environ_proxies(endpoint), timeout=TIMEOUT_SECONDS)
    try:
        response = http.send(AWSRequest("GET", url).prepare())
    except BotoCoreError as error:
        # Its text and kwargs hold the full URL, session document included: name the endpoint
        # only, and the one variable that chooses it (botocore's endpoint settings do not).
        chosen = Endpoint(endpoint, (ENDPOINT_VARIABLE,))
        raise classify(error, profile, timeout=TIMEOUT_SECONDS, endpoint=chosen) from None
    finally:
        http.close()
    token = None
    if response.status_code == 200:
        try:
            token = json.loads(response.content).get("SigninToken")
        except (ValueError, AttributeError):
            token = None
    if not isinstance(token, str) or not token:
        raise CheckFailed(
            f"the AWS sign-in endpoint {endpoint} refused the session of profile {profile!r} "
            f"(HTTP {response.status_code}): it accepts temporary credentials only, and a role "
            "session that is at most SessionDuration (--duration) long",
            "other",
            f"HTTP {response.status_code}",
        )
    return token


def login_url(endpoint: str, token: str, destination: str) -> str:
    query = {"Action": "login", "Issuer": ISSUER, "Destination": destination, "SigninToken": token}
    return f"{endpoint}?{urlencode(query)}"


def signin_url(
    paths: Paths,
    profile: str,
    credentials: Credentials,
    *,
    role_arn: str | None,
    destination: str | None,
    region: str | None,
    duration: int | None,
) -> str:
    """The console login URL for ``profile``, whose credentials ``env`` would give.

    Temporary credentials (a role, SSO, a session token) are used as they are, ``duration``
    becoming the console's SessionDuration; an IAM user's keys get a GetFederationToken session
    of ``duration`` seconds first.
    """
    check_destination(destination)
    session_duration = duration
    identity_arn = role_arn
    if not credentials.temporary:
        credentials, identity_arn = federation_credentials(paths, profile, credentials, duration)
        session_duration = None  # a federation token's console session lasts as long as the token
    region = region or credentials.region
    partition = partition_of(identity_arn, region)
    if partition not in PARTITIONS:
        raise BadInput(
            f"profile {profile!r} is in partition {partition}, whose console sign-in is not known here "
            f"(known: {', '.join(PARTITIONS)})"
        )
    endpoint = signin_endpoint(partition)
    token = signin_token(paths, profile, credentials, endpoint, session_duration)
    return login_url(endpoint, token, destination_url(destination, partition, region))
