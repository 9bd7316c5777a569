"""The .docx templates (docxtpl) of shared/spec/forms.md and documents.md, and their builders."""
