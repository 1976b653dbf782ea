"""The sample portal: a realistic local government web site, generated from a truth file and
served on 127.0.0.1, for the tests, the demo and the benchmarks (no machine here reaches the
internet). ``portal.render`` lays reports out; ``portal.synth`` invents them.

``portal.truth`` (from ``truth.yaml``) says who publishes what, when, where and which problems are
planted; ``portal.cms`` lays the reports out as TRS, Hanweb, Guangdong-platform and old hand-made
sites; ``portal.site`` adds robots.txt and the crawl traps; ``portal.server`` serves it all:

    >>> from portal.server import SamplePortal
    >>> server = SamplePortal.build().serve(port=0)
    >>> server.truth.report("淮宁市教育局", 2022).url      # a path under server.url
    >>> server.stop()
"""
