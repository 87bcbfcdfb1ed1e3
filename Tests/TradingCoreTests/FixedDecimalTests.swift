import Testing
import TradingCore

@Suite("FixedDecimal")
struct FixedDecimalTests {
    @Test("parses decimal text exactly and prints it canonically", arguments: [
        ("0", "0"), ("-0", "0"), ("1", "1"), ("1.50", "1.5"), ("-12.345", "-12.345"), ("000123.4500", "123.45"),
        ("5.33e-05", "0.0000533"), ("1E3", "1000"), ("2.5e+2", "250"), (".5", "0.5"), ("7.", "7"),
        ("0.2621293365955353", "0.2621293365955353"), ("0.000000000000000001", "0.000000000000000001"),
        ("170141183460469231731.687303715884105727", "170141183460469231731.687303715884105727"),
        ("1.0000000000000000000000", "1"), ("+3", "3"),
    ])
    func parsesAndPrints(text: String, canonical: String) throws {
        let value = try #require(FixedDecimal(text))
        #expect(value.description == canonical)
        #expect(FixedDecimal(canonical) == value)
    }

    @Test("rejects text that is not an exact decimal", arguments: [
        ("", DecimalParseError.empty), ("abc", .invalidCharacter), ("1.2.3", .invalidCharacter), ("1e", .invalidCharacter),
        ("e5", .invalidCharacter), ("-", .invalidCharacter), ("1,5", .invalidCharacter), ("NaN", .invalidCharacter),
        ("0.0000000000000000001", .tooPrecise), ("1e-19", .tooPrecise), ("1e30", .outOfRange),
        ("170141183460469231732", .outOfRange), (" 1", .invalidCharacter),
    ])
    func rejects(text: String, error: DecimalParseError) {
        #expect(throws: error) { try FixedDecimal(parsing: text.utf8) }
    }

    @Test("adds and subtracts exactly where binary floating point does not")
    func exactSums() throws {
        let tenth = try #require(FixedDecimal("0.1"))
        let sum = (0..<10).reduce(FixedDecimal.zero) { total, _ in total + tenth }
        #expect(sum == FixedDecimal(1))
        #expect((0..<10).reduce(0.0) { total, _ in total + 0.1 } != 1.0)
        #expect((try #require(FixedDecimal("0.3"))) - (try #require(FixedDecimal("0.1"))) == FixedDecimal("0.2"))
    }

    @Test("multiplies and divides with one rounding step", arguments: [
        ("1.5", "2", "*", "3"), ("0.000000001", "0.000000001", "*", "0.000000000000000001"),
        ("0.000000001", "0.0000000005", "*", "0"), ("0.000000001", "0.0000000015", "*", "0.000000000000000002"),
        ("-2.5", "4", "*", "-10"), ("1", "3", "/", "0.333333333333333333"), ("2", "3", "/", "0.666666666666666667"),
        ("-1", "8", "/", "-0.125"), ("100000000000", "100000000", "*", "10000000000000000000"),
    ])
    func multipliesAndDivides(lhs: String, rhs: String, operation: String, expected: String) throws {
        let a = try #require(FixedDecimal(lhs)), b = try #require(FixedDecimal(rhs))
        let result = operation == "*" ? try a.multiplied(by: b) : try a.divided(by: b)
        #expect(result.description == expected)
    }

    @Test("reports overflow and division by zero instead of trapping")
    func arithmeticErrors() throws {
        let big = try #require(FixedDecimal("100000000000000000000"))
        #expect(throws: DecimalArithmeticError.overflow) { try big.multiplied(by: big) }
        #expect(throws: DecimalArithmeticError.divisionByZero) { try big.divided(by: .zero) }
    }

    @Test("rounds half to even by default and honours other rules", arguments: [
        ("2.5", 0, DecimalRounding.toNearestOrEven, "2"), ("3.5", 0, .toNearestOrEven, "4"), ("-2.5", 0, .toNearestOrEven, "-2"),
        ("2.51", 0, .toNearestOrEven, "3"), ("1.239", 2, .towardZero, "1.23"), ("-1.231", 2, .awayFromZero, "-1.24"),
    ])
    func rounding(text: String, digits: Int, rule: DecimalRounding, expected: String) throws {
        #expect(try #require(FixedDecimal(text)).rounded(toFractionalDigits: digits, rounding: rule).description == expected)
    }

    @Test("rounding up past the largest value is an overflow, not a crash")
    func roundingOverflow() {
        #expect(throws: DecimalArithmeticError.overflow) { try FixedDecimal(units: .max).rounded(toFractionalDigits: 0, rounding: .awayFromZero) }
    }

    @Test("orders values numerically, not textually")
    func ordering() throws {
        let values = ["10", "9.99", "-1", "0.5", "100"].compactMap(FixedDecimal.init).sorted()
        #expect(values.map(\.description) == ["-1", "0.5", "9.99", "10", "100"])
    }
}
