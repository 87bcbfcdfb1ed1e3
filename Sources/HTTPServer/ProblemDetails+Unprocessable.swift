extension ProblemDetails {
    /// Runs module code (portfolio, analytics, prediction), turning its typed error into a 422
    /// problem whose detail is the module's own explanation.
    static func unprocessable<T, Failure: Error & CustomStringConvertible>(_ body: () throws(Failure) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw ProblemDetails(.unprocessable, detail: error.description)
        }
    }

    /// The same for module code that suspends (a fit run off the cooperative pool).
    static func unprocessable<T, Failure: Error & CustomStringConvertible>(_ body: () async throws(Failure) -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw ProblemDetails(.unprocessable, detail: error.description)
        }
    }
}
