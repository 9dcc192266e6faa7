"""The AMA's way in from ActivityPub (DESIGN.md §3): every inbox handler of the AMA, one module per concern,
registered with federation.routing in the order table.py lists them, by AmaConfig.ready(). The way out is
ama/activitypub/."""
