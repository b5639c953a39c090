"""profiles: manage the profiles of the AWS CLI and SDKs."""

__version__ = "0.1.0"
