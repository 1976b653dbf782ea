"""The sample portal: a realistic local government web site, generated from a truth file and
served on 127.0.0.1, for the tests, the demo and the benchmarks (no machine here reaches the
internet). ``portal.render`` lays reports out; ``portal.synth`` invents them."""
