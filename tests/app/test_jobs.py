"""The child-process runner's contract with the engines (no browser, no engine run)."""

from __future__ import annotations

import inspect

from critmin.app.jobs import response_run


def test_response_progress_cannot_be_filled_from_a_jobs_positional_arguments():
    # _work calls response_run(*job.args, **job.kwargs, progress=...); while progress was the
    # seventh positional parameter, a job with budgets and one more argument collided with it
    # ("got multiple values for argument 'progress'"); keyword-only, it never can
    progress = inspect.signature(response_run).parameters["progress"]
    assert progress.kind is inspect.Parameter.KEYWORD_ONLY
    assert progress.default is None
