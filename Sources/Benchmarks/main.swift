// onego-bench: benchmarks that carry OneGo's speed targets (see BENCHMARKS.md).
//
//   onego-bench bundles [--items 2185] [--bundles 89] [--runs 5]
//   onego-bench w1 [--cases 2000] [--sync normal|full] [--db PATH] [--against FLOOR] [--runs 5]
//   onego-bench submissions --count N --db PATH [--bundles DIR]    (the crash test's child)
//   onego-bench api [--count 3000] [--clients 32] [--seconds 20]   (POST /v1/cases over HTTP)
//
// The main is synchronous on purpose: valgrind, which measures the instruction counts in
// BENCHMARKS.md, cannot run Swift's async main (it ends the main thread in dispatch_main). Async
// engine calls run on the cooperative pool while the main thread waits (`runBlocking`).
import ArgumentParser

OneGoBench.main()
