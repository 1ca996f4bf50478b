"""Comparing this service's answers with AgentOS's: the declared differences (rules.py), the
comparison (verdict.py), the live comparator (live.py) and the offline replay (replay.py)."""

from .answer import Answer, Asked
from .rules import RULES, Rule
from .verdict import MATCH, MISMATCH, Verdict, compare, json_difference

__all__ = ["MATCH", "MISMATCH", "RULES", "Answer", "Asked", "Rule", "Verdict", "compare", "json_difference"]
