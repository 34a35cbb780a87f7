"""Django's upload handlers, keeping each file's full name: Django cuts a name to 255
characters, and a name that long is refused (records.actions.stored_name), not cut unseen."""

from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler


class _KeepsFullName:
    def new_file(self, field_name, file_name, *args, **kwargs):
        self.full_name = file_name  # first: the memory handler's new_file ends by raising
        super().new_file(field_name, file_name, *args, **kwargs)

    def file_complete(self, file_size):
        done = super().file_complete(file_size)
        if done is not None:
            done.full_name = self.full_name
        return done


class MemoryUploads(_KeepsFullName, MemoryFileUploadHandler):
    pass


class TemporaryUploads(_KeepsFullName, TemporaryFileUploadHandler):
    pass
