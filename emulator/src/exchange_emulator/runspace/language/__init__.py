"""The PowerShell language of the host endpoint and the WinRS shell: tokens, syntax tree, parser, evaluation."""
