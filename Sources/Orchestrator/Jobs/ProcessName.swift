import Foundation

/// How a process names itself to the others in job leases and scheduler leadership: role, host and
/// process id, so that an operator can tell which machine or container holds a lease (a process id
/// alone repeats across containers, where every main process tends to have the same small one).
enum ProcessName {
    /// `role-host-pid`, such as `worker-4f1c2a9e7b10-7`.
    static func of(role: String) -> String {
        "\(role)-\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }
}
