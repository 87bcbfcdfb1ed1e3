import ArgumentParser

/// `--format json|table`, shared by every command that prints a result.
struct FormatOption: ParsableArguments {
    @Option(help: "Output format: json or table.") var format: OutputFormat = .table
}
