"""Analytics of the results the node holds: the figures of «Аналитика» (marks, quality,
histogram with an objectivity flag, success per task and criterion, ВПР vs journal mark,
expert agreement), charts, and the report as PDF and xlsx."""
