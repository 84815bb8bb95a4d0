import OneGoCLI

OneGoCommand.runMain()
