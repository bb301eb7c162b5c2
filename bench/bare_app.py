"""The baseline for the intake benchmark: Flask answering 200 to the same POST, nothing else."""
from flask import Flask, Response

app = Flask(__name__)


@app.post("/webhooks/twilio/whatsapp")
def whatsapp() -> Response:
    return Response('<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
                    mimetype="text/xml")
