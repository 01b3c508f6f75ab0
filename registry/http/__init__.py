"""HTTP plumbing shared by the API and the pages: access rules, problems, request ids, security headers,
conditional GET and the response cache."""
