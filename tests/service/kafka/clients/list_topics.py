"""Lists a Kafka cluster's topics with a real client library, one name a line.

  list_topics.py {kafka-python|confluent-kafka} HOST:PORT [--sasl USER:PASSWORD] [--ca CA.pem]

Run with Debian's /usr/bin/python3 (python3-kafka, python3-confluent-kafka).
Exit status 0 when the listing succeeded.
"""

import argparse
import sys


def kafka_python(args):
    from kafka import KafkaAdminClient

    config = {"bootstrap_servers": args.server, "request_timeout_ms": 20000,
              "client_id": "kafka-python-test"}
    protocol = "PLAINTEXT"
    if args.sasl:
        user, password = args.sasl.split(":", 1)
        config.update(sasl_mechanism="PLAIN", sasl_plain_username=user,
                      sasl_plain_password=password)
        protocol = "SASL_PLAINTEXT"
    if args.ca:
        config.update(ssl_cafile=args.ca, ssl_check_hostname=False)
        protocol = "SASL_SSL" if args.sasl else "SSL"
    config["security_protocol"] = protocol
    admin = KafkaAdminClient(**config)
    try:
        return sorted(admin.list_topics())
    finally:
        admin.close()


def confluent_kafka(args):
    from confluent_kafka.admin import AdminClient

    config = {"bootstrap.servers": args.server, "client.id": "confluent-kafka-test"}
    protocol = "plaintext"
    if args.sasl:
        user, password = args.sasl.split(":", 1)
        config.update({"sasl.mechanisms": "PLAIN", "sasl.username": user,
                       "sasl.password": password})
        protocol = "sasl_plaintext"
    if args.ca:
        config["ssl.ca.location"] = args.ca
        protocol = "sasl_ssl" if args.sasl else "ssl"
    config["security.protocol"] = protocol
    metadata = AdminClient(config).list_topics(timeout=20)
    return sorted(metadata.topics)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("library", choices=["kafka-python", "confluent-kafka"])
    parser.add_argument("server")
    parser.add_argument("--sasl")
    parser.add_argument("--ca")
    args = parser.parse_args()
    topics = kafka_python(args) if args.library == "kafka-python" else confluent_kafka(args)
    for topic in topics:
        print(topic)
    return 0


if __name__ == "__main__":
    sys.exit(main())
