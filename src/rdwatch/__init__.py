"""rdwatch: news monitoring for Alibaba Group and DAMO Academy R&D coverage."""

__version__ = "0.1.0"
