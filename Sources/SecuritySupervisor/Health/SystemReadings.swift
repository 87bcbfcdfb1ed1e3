/// Parsers of the Linux `/proc` files the health checks read, and the grading of their values.
/// Pure: the probes pass the files' text in, so every rule is tested on recorded samples.
public enum SystemReadings {
    /// Busy and total jiffies of all CPUs from the `cpu` line of `/proc/stat`.
    public static func cpuTimes(procStat text: String) -> (busy: UInt64, total: UInt64)? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let values = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard values.count >= 4 else { return nil }
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        let idle = values[3] + (values.count > 4 ? values[4] : 0)
        let total = values.prefix(8).reduce(0, +)
        return (total - idle, total)
    }

    /// CPU use between two `/proc/stat` samples, in percent.
    public static func cpuUsage(from first: (busy: UInt64, total: UInt64), to second: (busy: UInt64, total: UInt64)) -> Double? {
        guard second.total > first.total, second.busy >= first.busy else { return nil }
        return Double(second.busy - first.busy) / Double(second.total - first.total) * 100
    }

    /// The 1, 5 and 15 minute load averages from `/proc/loadavg`.
    public static func loadAverages(_ text: String) -> [Double]? {
        let values = text.split(separator: " ").prefix(3).compactMap { Double($0) }
        return values.count == 3 ? values : nil
    }

    /// A `Key: value kB` field of `/proc/meminfo` or `/proc/self/status`, in kB.
    public static func kilobytes(_ key: String, in text: String) -> UInt64? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return nil }
        return line.dropFirst(key.count + 1).split(whereSeparator: \.isWhitespace).first.flatMap { UInt64($0) }
    }

    /// A plain numeric `Key: value` field (`Threads:` in `/proc/self/status`).
    public static func number(_ key: String, in text: String) -> UInt64? { kilobytes(key, in: text) }

    /// Memory in use (100 − MemAvailable/MemTotal) from `/proc/meminfo`.
    public static func memoryCheck(meminfo text: String, warn: Double = 85, fail: Double = 95) -> HealthCheckResult {
        guard let total = kilobytes("MemTotal", in: text), total > 0, let available = kilobytes("MemAvailable", in: text) else {
            return HealthCheckResult(name: "memory", status: .failed, value: nil, threshold: "readable /proc/meminfo", message: "/proc/meminfo has no MemTotal/MemAvailable")
        }
        let used = (1 - Double(available) / Double(total)) * 100
        return .graded("memory", value: used, warn: warn, fail: fail, unit: " %") { _ in
            String(format: "%.1f %% of %.1f GiB in use (%.1f GiB available)", used, Double(total) / 1_048_576, Double(available) / 1_048_576)
        }
    }

    /// The 1-minute load per CPU from `/proc/loadavg`.
    public static func loadCheck(loadavg text: String, processors: Int, warn: Double = 1.5, fail: Double = 3) -> HealthCheckResult {
        guard let averages = loadAverages(text), processors > 0 else {
            return HealthCheckResult(name: "cpu.load", status: .failed, value: nil, threshold: "readable /proc/loadavg", message: "/proc/loadavg cannot be read")
        }
        let perCore = averages[0] / Double(processors)
        return .graded("cpu.load", value: perCore, warn: warn, fail: fail, unit: " per CPU") { _ in
            String(format: "load %.2f %.2f %.2f on %d CPUs", averages[0], averages[1], averages[2], processors)
        }
    }

    /// Space and inodes used of a file system, from statvfs figures.
    public static func diskChecks(path: String, blocks: UInt64, blocksAvailable: UInt64, inodes: UInt64, inodesFree: UInt64, blockSize: UInt64,
                                  warn: Double = 85, fail: Double = 95) -> [HealthCheckResult] {
        guard blocks > 0 else {
            return [HealthCheckResult(name: "disk", status: .failed, value: nil, threshold: "a file system", message: "\(path) reports no blocks")]
        }
        let used = (1 - Double(blocksAvailable) / Double(blocks)) * 100
        let freeGiB = Double(blocksAvailable * blockSize) / 1_073_741_824
        var results = [HealthCheckResult.graded("disk.space", value: used, warn: warn, fail: fail, unit: " %") { _ in
            String(format: "%.1f %% of the file system holding %@ is used; %.1f GiB free", used, path, freeGiB)
        }]
        if inodes > 0 {
            let inodesUsed = (1 - Double(inodesFree) / Double(inodes)) * 100
            results.append(.graded("disk.inodes", value: inodesUsed, warn: warn, fail: fail, unit: " %") { _ in
                String(format: "%.1f %% of the inodes of %@ are used", inodesUsed, path)
            })
        }
        return results
    }

    /// The process's resident memory, threads and open files against their limits.
    public static func processChecks(status text: String, openFiles: Int, openFileLimit: UInt64?, rssWarnMiB: Double = 1024, rssFailMiB: Double = 4096) -> [HealthCheckResult] {
        var results: [HealthCheckResult] = []
        if let rss = kilobytes("VmRSS", in: text) {
            let mib = Double(rss) / 1024
            results.append(.graded("process.memory", value: mib, warn: rssWarnMiB, fail: rssFailMiB, unit: " MiB") { _ in String(format: "resident memory %.1f MiB", mib) })
        }
        if let threads = number("Threads", in: text) {
            results.append(.graded("process.threads", value: Double(threads), warn: 500, fail: 2000, unit: "") { _ in "\(threads) threads" })
        }
        if let limit = openFileLimit, limit > 0 {
            let share = Double(openFiles) / Double(limit) * 100
            results.append(.graded("process.open_files", value: share, warn: 70, fail: 90, unit: " % of the limit") { _ in
                "\(openFiles) open files of a limit of \(limit)"
            })
        }
        return results
    }

    /// Whether cgroup and marker files say the process runs in a container.
    public static func runsInContainer(cgroup: String?, dockerEnvironmentFile: Bool, containerEnvironment: String?) -> Bool {
        if dockerEnvironmentFile || containerEnvironment != nil { return true }
        guard let cgroup else { return false }
        return ["docker", "kubepods", "containerd", "libpod", "lxc"].contains { cgroup.contains($0) }
    }
}
