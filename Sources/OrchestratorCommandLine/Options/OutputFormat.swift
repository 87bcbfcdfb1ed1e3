import ArgumentParser
import Foundation
import Orchestrator

/// `--format json|table`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case json
    case table
}
