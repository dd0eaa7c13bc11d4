"""Imports every model module so that the metadata (and Alembic) sees all tables."""
from app.accounts.models import PasswordResetToken, Role, User  # noqa: F401
from app.audit.models import AuditEvent  # noqa: F401
from app.assignments.models import Grading, Submission, SubmissionFile, SubmissionVersion  # noqa: F401
from app.catalogue.models import Assignment, Course, Lesson, MediaFile, Module, Quiz  # noqa: F401
from app.certificates.models import Certificate, CertificateAsset, CertificateCounter, CertificateStatus  # noqa: F401
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus, cohort_trainers  # noqa: F401
from app.cohorts.models import Invitation, ModuleRelease  # noqa: F401
from app.mail.models import OutgoingMail  # noqa: F401
from app.progress.models import ItemType, ProgressItem  # noqa: F401
from app.quizzes.models import QuizAttempt  # noqa: F401
from app.admin.models import AgencyScope, Setting  # noqa: F401
from app.api.models import ApiToken  # noqa: F401
from app.reporting.models import EnrolmentFact  # noqa: F401
from app.sessions.models import Attendance, LiveSession  # noqa: F401
from app.discussions.models import DiscussionPost, DiscussionSetting, DiscussionThread, PostReport  # noqa: F401
from app.directory.models import DirectoryEntry  # noqa: F401
from app.sso.models import OidcIdentity  # noqa: F401
from app.exports.models import Export, ExportStatus  # noqa: F401
