"""The quarterly report for engineering leaders: quarters (`quarters`), DORA against last
quarter (`dora`), the quarter's findings (`findings`), the three bottlenecks (`bottlenecks`),
two recommendations (`recommend`), all of it gathered (`build`), put in words from fixed
templates (`narrative`), optionally reworded (`rewrite`), rendered as Markdown, HTML and
Block Kit (`render`, `charts`) and posted once (`post`)."""
