"""nianbao (年报): harvests, reads and checks Chinese government 政府信息公开工作年度报告."""
__version__ = "0.1.0"
