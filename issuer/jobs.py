"""The issuer's background jobs, registered with the task queue when this module is imported
(by `wsgi.load_job_handlers`, from the web app, `sceau worker` and the tests)."""

from core.documents import bulk as documents
from core.tasks import register_handler, register_preparer
from issuer.services.signoff import JOB_KIND, issue_chunk

register_handler(JOB_KIND, issue_chunk)
register_handler(documents.JOB_KIND, documents.record_documents)
register_preparer(documents.JOB_KIND, documents.prepare_documents)
