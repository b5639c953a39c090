from awsprofiles.entry import run

run()
