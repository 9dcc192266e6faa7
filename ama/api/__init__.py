"""The REST API (DRF): thin views that validate with serializers, check roles with ama.permissions and call
ama.services. Anonymous users read approved content only."""
