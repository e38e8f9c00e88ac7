"""The issuer's background jobs, registered with the task queue when this module is imported
(by `wsgi.load_job_handlers`, from the web app, `sceau worker` and the tests)."""

from core.tasks import register_handler
from issuer.services.signoff import JOB_KIND, issue_chunk

register_handler(JOB_KIND, issue_chunk)
