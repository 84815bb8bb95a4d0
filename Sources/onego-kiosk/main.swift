import OneGoCLI

await KioskCommand.runMain()
