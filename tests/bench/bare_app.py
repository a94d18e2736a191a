"""The ceiling for the submission benchmark: a bare FastAPI POST endpoint taking the same body."""

from fastapi import FastAPI

from schemas.visits import SubmissionIn

app = FastAPI()


@app.post("/bare", status_code=201)
def bare(body: SubmissionIn) -> dict[str, int]:
    return {"results": len(body.results)}


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
