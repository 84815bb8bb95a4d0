import OneGoCLI

KioskCommand.runMain()
