"""Django's upload handlers, keeping each file's full name: Django cuts a name to 255
characters, and a name that long is refused (records.actions.stored_name), not cut unseen."""

from django.core.files.uploadhandler import (
    FileUploadHandler,
    MemoryFileUploadHandler,
    TemporaryFileUploadHandler,
)

FULL_NAME = "full_name"  # the attribute a finished upload carries its whole name in


class _KeepsFullName(FileUploadHandler):
    def new_file(self, field_name, file_name, *args, **kwargs):
        self.full_name = file_name  # first: the memory handler's new_file ends by raising
        super().new_file(field_name, file_name, *args, **kwargs)

    def file_complete(self, file_size):
        done = super().file_complete(file_size)
        if done is not None:
            setattr(done, FULL_NAME, self.full_name)  # ours: Django's files have no such field
        return done


class MemoryUploads(_KeepsFullName, MemoryFileUploadHandler):
    pass


class TemporaryUploads(_KeepsFullName, TemporaryFileUploadHandler):
    pass
