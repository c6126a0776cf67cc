-- wrk script: every request is a workflow creation with a JSON body.
wrk.method = "POST"
wrk.body = '{"name":"bench workflow"}'
wrk.headers["Content-Type"] = "application/json"
