import FeedbackLoop
import Foundation
import QuantMath
import Synchronization
import Testing
import TestSupport
import TradingCore
import TradingEngine

/// Traffic of one API route in 5-minute windows: busier and slower from 12:00 to 15:00 UTC every
/// day (a pattern the signature must learn, not alert on), 0.5 % failing, log-normal latencies.
struct SimulatedTraffic {
    static let window: Int64 = 300_000
    static let start = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000) // 2026-01-01T00:00Z
    var random = SeededGenerator(seed: 20_261_205)
    var errorShare = 0.005
    var latencyFactor = 1.0
    var loadFactor = 1.0

    func busy(_ start: Timestamp) -> Bool { (12..<15).contains(Int((start.millisecondsSinceEpoch / 3_600_000) % 24)) }

    /// The window starting `index` windows after `start`.
    mutating func window(_ index: Int, subject: String = "GET /api/v1/portfolio") -> SystemWindow {
        let start = Self.start.adding(milliseconds: Int64(index) * Self.window)
        let busy = busy(start)
        let operations = Int(Double((busy ? 400 : 150) + Int(random.nextUniform() * 50)) * loadFactor)
        var cell = SystemSignatureCell()
        for _ in 0..<operations {
            // Box-Muller: a standard normal from two uniforms.
            let normal = (-2 * log(max(random.nextUniform(), 1e-300))).squareRoot() * cos(2 * Double.pi * random.nextUniform())
            let milliseconds = (busy ? 6.0 : 3.0) * latencyFactor * exp(0.5 * normal)
            cell.add(milliseconds: milliseconds, failed: random.nextUniform() < errorShare)
        }
        return SystemWindow(kind: .route, subject: subject, start: start, milliseconds: Self.window, cell: cell,
                            kindOperationsPerMinute: Double(operations) / 5)
    }
}

@Suite("System signatures: windows counted, judged and learned")
struct SystemSignatureMonitorTests {
    static let day = 288

    /// The monitor after ten days of steady traffic (to 03:00 of the eleventh), the traffic's state,
    /// and the anomalies opened on the way: learned once for the suite (it is the same every time).
    static let trained: (monitor: SystemSignatureMonitor, traffic: SimulatedTraffic, opened: [(index: Int, anomaly: SystemSignatureMonitor.OpenAnomaly)]) = {
        var traffic = SimulatedTraffic()
        var monitor = SystemSignatureMonitor(observer: "host/api:8080", halfLifeMilliseconds: 7 * 86_400_000)
        var opened: [(Int, SystemSignatureMonitor.OpenAnomaly)] = []
        for index in 0..<steady {
            let window = traffic.window(index)
            opened += monitor.process([window], now: window.end).opened.map { (index, $0) }
        }
        return (monitor, traffic, opened)
    }()
    static let steady = 10 * day + 3 * 12

    /// The trained monitor, then `fault` from the next window for `faultWindows`, then steady again;
    /// on a thread of its own (seconds of arithmetic must not hold the suite's few cooperative threads).
    static func simulate(fault: @escaping @Sendable (inout SimulatedTraffic) -> Void, faultWindows: Int = 6) async throws
        -> (monitor: SystemSignatureMonitor, openedBeforeFault: [(index: Int, anomaly: SystemSignatureMonitor.OpenAnomaly)], faultReports: [SystemSignatureMonitor.Report],
            afterReports: [SystemSignatureMonitor.Report]) {
        try await offPool {
            var (monitor, traffic, opened) = trained
            var faulty = traffic
            fault(&faulty)
            var faultReports: [SystemSignatureMonitor.Report] = []
            for index in steady..<(steady + faultWindows) {
                let window = faulty.window(index)
                faultReports.append(monitor.process([window], now: window.end))
            }
            traffic.random = faulty.random
            var afterReports: [SystemSignatureMonitor.Report] = []
            for index in (steady + faultWindows)..<(steady + faultWindows + 3) {
                let window = traffic.window(index)
                afterReports.append(monitor.process([window], now: window.end))
            }
            return (monitor, opened, faultReports, afterReports)
        }
    }

    @Test("ten days of steady traffic with a daily busy spell raise nothing once the first day has shown the spell")
    func steadyTrafficIsQuiet() async throws {
        let (monitor, opened, _, _) = try await Self.simulate(fault: { _ in })
        // The first busy noon is new (compared with the quiet hours' signature): it may alert, and is learned.
        #expect(opened.filter { $0.index >= Self.day }.isEmpty, "\(opened.filter { $0.index >= Self.day }.map { "\($0.index): \($0.anomaly.findings.map(\.summary))" })")
        #expect(opened.count <= 1, "the first busy spell is one anomaly at most, held open while it lasts")
        #expect(opened.allSatisfy { $0.index < Self.day && traffic(at: $0.index) })
        let signature = monitor.signature(SystemSignatureMonitor.Key(kind: .route, subject: "GET /api/v1/portfolio"), at: SimulatedTraffic.start.adding(milliseconds: 10 * 86_400_000))
        // Every hour of the day is known in its own slot, busy hours slower than quiet ones.
        #expect(Set(signature.byHour.keys) == Set(0..<24))
        let quiet = signature.byHour[3]!.latency.quantileMilliseconds(0.5)!, busy = signature.byHour[13]!.latency.quantileMilliseconds(0.5)!
        #expect(busy > quiet)
    }

    func traffic(at index: Int) -> Bool { SimulatedTraffic().busy(SimulatedTraffic.start.adding(milliseconds: Int64(index) * SimulatedTraffic.window)) }

    @Test("failures twenty times the usual open an ERROR-worthy finding at the first window, kept until a normal window resolves it")
    func failuresAreCaughtAndResolved() async throws {
        let (monitor, _, faultReports, afterReports) = try await Self.simulate(fault: { $0.errorShare = 0.1 })
        #expect(faultReports.first?.opened.first?.findings.map(\.kind) == [.errors])
        #expect(faultReports.dropFirst().allSatisfy { $0.opened.isEmpty && $0.resolved.isEmpty })
        #expect(afterReports.first?.resolved.map(\.key.subject) == ["GET /api/v1/portfolio"])
        #expect(monitor.open.isEmpty)
    }

    @Test("answers three times slower open a latency finding at the first window")
    func slownessIsCaught() async throws {
        let (_, _, faultReports, afterReports) = try await Self.simulate(fault: { $0.latencyFactor = 3 })
        let findings = faultReports.first?.opened.first?.findings ?? []
        #expect(findings.map(\.kind) == [.latency])
        #expect(findings.first?.basis == .hourAndLoad)
        #expect(afterReports.first?.resolved.count == 1)
    }

    @Test("a fault only ten times the usual, too small in one window to prove again, stays one open anomaly instead of flapping")
    func borderlineFaultsDoNotFlap() async throws {
        let (monitor, _, faultReports, afterReports) = try await Self.simulate(fault: { $0.errorShare = 0.05 }, faultWindows: 24)
        let opened = faultReports.reduce(0) { $0 + $1.opened.count }
        let resolvedDuring = faultReports.reduce(0) { $0 + $1.resolved.count }, resolvedAfter = afterReports.reduce(0) { $0 + $1.resolved.count }
        #expect(opened == 1)
        #expect(resolvedDuring == 0)
        #expect(resolvedAfter == 1 && monitor.open.isEmpty)
    }

    @Test("an outage that also doubles the load (a slot never seen) is not learned as the slot's signature and does not resolve itself")
    func outageInANewSlotStaysOpen() async throws {
        let (monitor, _, faultReports, afterReports) = try await Self.simulate(fault: { $0.errorShare = 0.2; $0.loadFactor = 4 }, faultWindows: 12)
        let opened = faultReports.reduce(0) { $0 + $1.opened.count }, resolvedDuring = faultReports.reduce(0) { $0 + $1.resolved.count }
        #expect(opened == 1)
        #expect(resolvedDuring == 0, "\(faultReports.flatMap { $0.resolved.map(\.reason) })")
        #expect(afterReports.reduce(0) { $0 + $1.resolved.count } == 1 && monitor.open.isEmpty)
    }

    @Test("a fault is not over because a window of 20 operations had no failure: at the fault's share it would have had too few to tell")
    func quietWindowsProveNothing() async throws {
        var (monitor, _, _, _) = try await Self.simulate(fault: { _ in }, faultWindows: 0)
        var traffic = SimulatedTraffic(errorShare: 0.2)
        let first = traffic.window(10 * Self.day + 3 * 12)
        #expect(monitor.process([first], now: first.end).opened.count == 1)
        // A quiet window: 20 answers, none failed. At the fault's share it would hold about 4 failures: too few to show it either way.
        var quiet = SystemSignatureCell()
        for _ in 0..<20 { quiet.add(milliseconds: 3, failed: false) }
        let next = SystemWindow(kind: .route, subject: first.subject, start: first.end, milliseconds: SimulatedTraffic.window, cell: quiet, kindOperationsPerMinute: 5)
        #expect(monitor.process([next], now: next.end).resolved.isEmpty)
        #expect(monitor.open.count == 1)
    }

    @Test("a change that lasts a day becomes the signature: windows three times slower alert, then are learned and stop alerting")
    func lastingChangesAreLearned() async throws {
        let (monitor, _, faultReports, _) = try await Self.simulate(fault: { $0.latencyFactor = 3 }, faultWindows: 2 * Self.day)
        #expect(faultReports.first?.opened.count == 1)
        let resolvedAt = faultReports.firstIndex { !$0.resolved.isEmpty }
        #expect(resolvedAt.map { $0 >= Self.day && $0 < 2 * Self.day } == true, "resolved within the day after a day of it: \(String(describing: resolvedAt))")
        #expect(faultReports.dropFirst().allSatisfy(\.opened.isEmpty) || monitor.open.isEmpty)
    }

    @Test("an anomaly carried over a restart goes on: the next anomalous window does not open it again")
    func restoredAnomaliesGoOn() async throws {
        var (monitor, _, _, _) = try await Self.simulate(fault: { _ in }, faultWindows: 0)
        let key = SystemSignatureMonitor.Key(kind: .route, subject: "GET /api/v1/portfolio")
        let since = SimulatedTraffic.start.adding(milliseconds: 10 * 86_400_000)
        monitor.restore([SystemSignatureMonitor.OpenAnomaly(key: key, since: since, lastEvidence: since, kinds: [.errors])])
        var traffic = SimulatedTraffic(errorShare: 0.2)
        let window = traffic.window(10 * Self.day + 3 * 12)
        #expect(monitor.process([window], now: window.end).opened.isEmpty)
        #expect(monitor.open[key]?.since == since && monitor.open[key]?.findings.first?.kind == .errors)
    }

    @Test("an anomalous window is not learned: the signature after a fault is the one before it")
    func anomaliesAreNotLearned() async throws {
        let (monitor, _, faultReports, _) = try await Self.simulate(fault: { $0.errorShare = 0.5 }, faultWindows: 12)
        #expect(faultReports.allSatisfy { $0.changed.isEmpty })
        let key = SystemSignatureMonitor.Key(kind: .route, subject: "GET /api/v1/portfolio")
        let errors = monitor.signature(key, at: SimulatedTraffic.start.adding(milliseconds: 11 * 86_400_000)).overall.errorRate ?? 1
        #expect(errors < 0.01)
    }

    @Test("an anomaly without evidence for an hour is resolved as quiet")
    func quietAnomaliesResolve() async throws {
        var (monitor, _, faultReports, _) = try await Self.simulate(fault: { $0.errorShare = 0.5 }, faultWindows: 1)
        _ = faultReports
        // The simulation's recovery resolved it; open a fresh one and let the subject fall silent.
        var traffic = SimulatedTraffic(errorShare: 0.5)
        let window = traffic.window(10 * Self.day + 3 * 12 + 10)
        #expect(monitor.process([window], now: window.end).opened.count == 1)
        #expect(monitor.process([], now: window.end.adding(milliseconds: 3_000_000)).resolved.isEmpty)
        let report = monitor.process([], now: window.end.adding(milliseconds: 3_600_000))
        #expect(report.resolved.first?.reason.hasPrefix("no window with enough operations") == true)
        #expect(monitor.open.isEmpty)
    }

    @Test("another process's cells judge this one's windows, and this one's own cells come back from the store")
    func signaturesAreShared() async throws {
        let (opened, restored, kept) = try await offPool { () -> (Int, SystemSignatureCell, SystemSignatureCell) in
            var traffic = SimulatedTraffic()
            var first = SystemSignatureMonitor(observer: "a/api:8080", halfLifeMilliseconds: 7 * 86_400_000)
            var stored: [StoredSignatureCell] = []
            for index in 0..<(2 * Self.day) {
                let window = traffic.window(index)
                stored = Self.merge(stored, first.process([window], now: window.end).changed)
            }
            var second = SystemSignatureMonitor(observer: "b/api:8081", halfLifeMilliseconds: 7 * 86_400_000)
            second.load(stored)
            var faulty = traffic
            faulty.errorShare = 0.1
            let window = faulty.window(2 * Self.day + 3 * 12)
            let opened = second.process([window], now: window.end).opened.count
            var restarted = SystemSignatureMonitor(observer: "a/api:8080", halfLifeMilliseconds: 7 * 86_400_000)
            restarted.load(stored)
            let key = SystemSignatureMonitor.Key(kind: .route, subject: "GET /api/v1/portfolio")
            return (opened, restarted.signature(key, at: window.start).overall, first.signature(key, at: window.start).overall)
        }
        #expect(opened == 1)
        // The same cells, summed in another order: equal to the last bits.
        #expect(abs(restored.weight - kept.weight) < 1e-9 * kept.weight && abs(restored.errors - kept.errors) < 1e-9 * kept.errors)
        #expect(zip(restored.latency.counts, kept.latency.counts).allSatisfy { abs($0 - $1) <= 1e-9 * max($1, 1) })
    }

    static func merge(_ stored: [StoredSignatureCell], _ changed: [StoredSignatureCell]) -> [StoredSignatureCell] {
        var byKey: [String: StoredSignatureCell] = [:]
        for cell in stored + changed { byKey["\(cell.observer)|\(cell.subject)|\(cell.slot.hour)|\(cell.slot.load)"] = cell }
        return Array(byKey.values)
    }

    @Test("a subject's alert fingerprint names it back; other fingerprints name none", arguments: [
        ("signature:route:GET /api/v1/a:b", "GET /api/v1/a:b"), ("prediction:regime_change:BTC-USD:1h:4h", nil), ("signature:queue:x", nil),
        ("signature:route:", nil), ("signature:route", nil),
    ] as [(String, String?)])
    func alertFingerprints(fingerprint: String, subject: String?) {
        let key = SystemSignatureMonitor.Key(alertFingerprint: fingerprint)
        #expect(key?.subject == subject)
        if let key { #expect(key.alertFingerprint == fingerprint) }
    }

    @Test("weights halve every half-life")
    func ageing() {
        let start = Timestamp(millisecondsSinceEpoch: 0)
        #expect(StoredSignatureCell.ageFactor(from: start, to: start.adding(milliseconds: 1_000), halfLifeMilliseconds: 1_000) == 0.5)
        #expect(abs(StoredSignatureCell.ageFactor(from: start, to: start.adding(milliseconds: 3_000), halfLifeMilliseconds: 1_000) - 0.125) < 1e-15)
        #expect(StoredSignatureCell.ageFactor(from: start.adding(milliseconds: 5), to: start, halfLifeMilliseconds: 1_000) == 1)
    }

    @Test("operations are counted in epoch-aligned windows by subject (with or without a detail apart), handed over once each, with the kind's load")
    func observationsRollWindows() {
        let now = Mutex(Timestamp(millisecondsSinceEpoch: 600_000))
        let observations = SystemObservations(windowSeconds: 300, clock: { now.withLock { $0 } })
        // Counting began at 600,000 (the clock at creation): the first window is covered whole.
        for _ in 0..<9 { observations.record(.route, subject: "GET", detail: "/a", milliseconds: 2, failed: false, at: Timestamp(millisecondsSinceEpoch: 600_000)) }
        // Recorded whole, the same subject.
        observations.record(.route, subject: "GET /a", milliseconds: 2, failed: false, at: Timestamp(millisecondsSinceEpoch: 600_000))
        observations.record(.route, subject: "GET /b", milliseconds: 3, failed: true, at: Timestamp(millisecondsSinceEpoch: 899_999))
        observations.record(.job, subject: "backtest", milliseconds: 90, failed: false, at: Timestamp(millisecondsSinceEpoch: 700_000))
        #expect(observations.takeClosedWindows().isEmpty)
        now.withLock { $0 = Timestamp(millisecondsSinceEpoch: 900_000) }
        let windows = observations.takeClosedWindows()
        #expect(windows.map(\.subject) == ["backtest", "GET /a", "GET /b"])
        #expect(windows.allSatisfy { $0.start == Timestamp(millisecondsSinceEpoch: 600_000) && $0.milliseconds == 300_000 })
        #expect(windows[1].kindOperationsPerMinute == 11.0 / 5)
        #expect(windows[0].kindOperationsPerMinute == 1.0 / 5)
        #expect(windows[2].cell.errors == 1)
        #expect(windows[1].slot == SystemSignature.Slot(hour: 0, load: 2))
        #expect(observations.takeClosedWindows().isEmpty)
    }

    @Test("a window counting began in the middle of is under the load of the minutes counted, not of the whole window")
    func partialFirstWindow() {
        let now = Mutex(Timestamp(millisecondsSinceEpoch: 840_000))
        let observations = SystemObservations(windowSeconds: 300, clock: { now.withLock { $0 } })
        for _ in 0..<10 { observations.record(.route, subject: "GET /a", milliseconds: 2, failed: false, at: Timestamp(millisecondsSinceEpoch: 850_000)) }
        now.withLock { $0 = Timestamp(millisecondsSinceEpoch: 1_200_000) }
        for _ in 0..<10 { observations.record(.route, subject: "GET /a", milliseconds: 2, failed: false, at: Timestamp(millisecondsSinceEpoch: 1_200_000)) }
        now.withLock { $0 = Timestamp(millisecondsSinceEpoch: 1_500_000) }
        let windows = observations.takeClosedWindows()
        // 10 in the last minute of the first window (from 840,000 to 900,000), 10 in the whole second.
        #expect(windows.map(\.kindOperationsPerMinute) == [10, 2])
    }

    @Test("past the cap, new subjects of a kind count as other")
    func subjectsAreCapped() {
        let time = Timestamp(millisecondsSinceEpoch: 0)
        let now = Mutex(time)
        let observations = SystemObservations(windowSeconds: 60, clock: { now.withLock { $0 } })
        for index in 0...(SystemObservations.maximumSubjectsPerKind + 5) {
            observations.record(.route, subject: "GET /\(index)", milliseconds: 1, failed: false, at: time)
        }
        now.withLock { $0 = time.adding(milliseconds: 60_000) }
        let windows = observations.takeClosedWindows()
        #expect(windows.count == SystemObservations.maximumSubjectsPerKind + 1)
        #expect(windows.first { $0.subject == "other" }?.cell.weight == 6)
    }
}
