"""专项行动 (special campaigns): the office's campaigns, their targets, tasks planned through the planner, progress
against the campaign's 整治完成 rule, and the report (XLSX, PDF). May import the statistics' export helpers and the
documents' PDF helpers, the hazard loop's tables and everything in ``inspection``; nothing below imports it."""
