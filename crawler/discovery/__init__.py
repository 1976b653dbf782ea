"""Generic discovery: finding every annual report on a portal nobody configured, from its home page.

| module | what it holds |
| --- | --- |
| ``scoring.py``  | the cues (as data) that make a link worth following, and the score of a link |
| ``frontier.py`` | URL hygiene: session ids dropped, traps (calendars, endless query strings, logins) refused |
| ``listing.py``  | list records that are not plain links: script data, POSTed JSON lists, JS page counts, continuation pages |
| ``reports.py``  | report or not: by title (report, maybe, noise with its reason) and by content (template cues) |
| ``explain.py``  | what a crawl took and rejected, from its stats; the site entry ``nianbao sites discover`` proposes |

Nothing here holds state between pages: the spider carries a page's score and role in
``request.meta["nb"]`` and Scrapy's request priority, and counts in the crawl's stats, so a shared
(Redis) frontier can hand any request to any worker.
"""
