"""The issuer's background jobs, registered with the task queue when this module is imported
(by `wsgi.load_job_handlers`, from the web app, `sceau worker` and the tests)."""

from core.delivery.records import DELIVERY_JOB
from core.delivery.sending import send_deliveries
from core.documents import bulk as documents
from core.tasks import register_handler, register_preparer
from issuer.services.signoff import JOB_KIND, issue_chunk

register_handler(JOB_KIND, issue_chunk)
register_handler(documents.JOB_KIND, documents.record_documents)
register_preparer(documents.JOB_KIND, documents.prepare_documents)
# Mails cannot be taken back: their handler records each delivery in transactions of its own.
register_handler(DELIVERY_JOB, send_deliveries, outside_transaction=True)
