"""The audit log is not in the Django admin: only the 审计管理员 reads it, through /audit/."""
