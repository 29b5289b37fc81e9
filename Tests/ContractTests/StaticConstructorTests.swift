import EEKit
import Testing

/// crt0.S runs .preinit_array and .init_array before eekit_main, in every frame (review finding:
/// it did not, so a C++ global with a dynamic initializer or a C `constructor` function was left
/// zero and the contract returned a wrong result without any error).
@Suite struct StaticConstructorTests {
    /// A C constructor function and a preinit entry set globals; the frame increments them, so
    /// a second call shows whether the frame started from the stored image again.
    static let cSource = #"""
        #include "eekit.h"
        static uint64_t g, pre, order;
        __attribute__((constructor)) static void init(void) { volatile uint64_t x = 41; g = x + 1; order = order * 10 + 2; }
        static void early(void) { pre = 5; order = order * 10 + 1; }
        __attribute__((used, section(".preinit_array"))) static void (*const early_entry)(void) = early;
        void eekit_main(int is_constructor) {
          uint8_t w[32] = {0};
          w[29] = (uint8_t)order; w[30] = (uint8_t)pre; w[31] = (uint8_t)g;
          g++; pre++; order++;
          if (is_constructor) {
            if (w[31] != 42 || w[30] != 5 || w[29] != 12) eek_revert(w, 32);
            return;
          }
          eek_return(w, 32);
        }
        """#

    /// C++: a global with a dynamic initializer (and a destructor, which never runs), a guarded
    /// function-local static, virtual dispatch, and new/delete on the frame's heap (also of an
    /// over-aligned type, C++17's aligned new).
    static let cxxSource = #"""
        #include "eekit.h"
        struct Shape { virtual ~Shape() {} virtual uint64_t area() const = 0; };
        struct Rect : Shape {
          uint64_t w, h;
          Rect(uint64_t a, uint64_t b) : w(a), h(b) {}
          uint64_t area() const override { return w * h; }
        };
        struct Size { uint64_t n; Size() : n(eek_calldata_size()) {} ~Size() { n = 0; } };
        static Size size;
        static uint64_t tens() { static uint64_t t = size.n * 10; return t; }
        struct alignas(64) Line { uint64_t v[3]; };
        extern "C" void eekit_main(int is_constructor) {
          if (is_constructor) return;
          Shape *s = new Rect(6, 7);
          Line *l = new Line;
          uint64_t v = s->area() + tens() + size.n + ((uintptr_t)l % 64 == 0 ? 1000 : 0);
          delete s;
          delete l;
          uint8_t w[32] = {0};
          for (int i = 0; i < 8; i++) w[31 - i] = (uint8_t)(v >> (8 * i));
          eek_return(w, 32);
        }
        """#

    static func word(_ v: UInt64) -> Bytes { U256(v).bigEndianBytes }

    @Test(arguments: [64, 32]) func cConstructorsRunInEveryFrame(xlen: Int) throws {
        let s = ContractSession()
        let d = try s.deploy(try Fixtures.contract(Self.cSource, xlen: xlen), kind: .riscv)
        #expect(d.status == .success, "the constructor frame saw its globals unset: \(d.status) \(d.output)")
        let c = try #require(d.createdAddress)
        // preinit (order 1) before init (order 2): 12; pre 5; g 42; the same on every call.
        let expected: Bytes = Array(repeating: 0, count: 29) + [12, 5, 42]
        #expect(try s.call(c, data: []).output == expected)
        #expect(try s.call(c, data: []).output == expected)
    }

    @Test(arguments: [64, 32]) func cxxGlobalsLocalStaticsAndNewWork(xlen: Int) throws {
        let s = ContractSession()
        let c = try #require(try s.deploy(try Fixtures.contract(Self.cxxSource, xlen: xlen, cplusplus: true), kind: .riscv).createdAddress)
        // 6 * 7 + 10 * calldata size + calldata size + 1000 for the aligned Line.
        #expect(try s.call(c, data: [1, 2]).output == Self.word(1042 + 20 + 2))
        #expect(try s.call(c, data: [1, 2, 3]).output == Self.word(1042 + 30 + 3))
        #expect(try s.call(c, data: []).output == Self.word(1042))
    }
}
