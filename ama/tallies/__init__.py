"""Remote tallies: the like counts the servers that hold remote questions report, refetched while an AMA is
scheduled or live (and once after it ends) and credited without counting anyone twice.

    likes.py     pure: read a fetched object's `likes` (every shape we know) and the dedup rule
    fetch.py     one refetch of one question through federation.http (no database: runs on pool threads)
    gate.py      per-origin limits: in flight, requests per minute
    schedule.py  which rows, when next, the claim
    run.py       one refresh cycle (the beat task ama.tasks.refresh_tallies)
    apply.py     an outcome to the services (count, edit, delete)

FEDERATION.md "Remote tallies" documents what each server family exposes and the rules; README the settings."""
