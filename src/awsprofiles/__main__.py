from awsprofiles.cli import run

run()
