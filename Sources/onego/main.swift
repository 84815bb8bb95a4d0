import OneGoCLI

await OneGoCommand.runMain()
