// Package bench measures a termd from the POS side of the wire, next to
// bare baselines measured in the same run: 990001 round trips over TCP and
// WebSocket against built-in echo servers of the same bytes, payments per
// second, memory per idle connection against an echo server process, and
// start-up time with a filled journal. termctl bench wires it to flags; the
// figures it returns are what issue 13's goals are checked against.
//
// Latencies are compared round by round: in every round the termd and the
// echo samples are taken interleaved, so a noisy neighbour on the machine
// slows both; the ratio reported is the median of the rounds' ratios, and
// the spread says how far the rounds' medians were apart. On a virtual
// machine whose cores doze off, loopback round trips switch between a fast
// (~10 µs) and a slow (~60 µs) regime for seconds at a time, for termd and
// echo alike; many short rounds keep the median ratio steady through it,
// and a spread far above 50 % says the run crossed such a switch.
package bench
