"""Creates and deletes topics with a real client library's admin API.

  admin_topics.py {kafka-python|confluent-kafka} HOST:PORT

Creates "fresh" (3 partitions) and "orders" (which exists), then deletes
"fresh"; prints one line per outcome: "create fresh: ok",
"create orders: TopicAlreadyExists...", "delete fresh: ok". Run with
Debian's /usr/bin/python3.
"""

import sys


def kafka_python(server):
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=server)
    from kafka.errors import KafkaError

    for name in ("fresh", "orders"):
        try:
            admin.create_topics([NewTopic(name, 3, 1)], validate_only=False)
            print(f"create {name}: ok")
        except KafkaError as e:  # raised for the topic's error code
            print(f"create {name}: error {e.errno}")
    result = admin.delete_topics(["fresh"])
    print("delete fresh: " + ("ok" if result.topic_error_codes[0][1] == 0 else "error"))
    admin.close()


def confluent_kafka(server):
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": server})
    for name in ("fresh", "orders"):
        future = admin.create_topics([NewTopic(name, 3, 1)])[name]
        try:
            future.result(timeout=20)
            print(f"create {name}: ok")
        except Exception as e:  # KafkaException carrying the broker's error
            print(f"create {name}: error {e.args[0].code()}")
    admin.delete_topics(["fresh"])["fresh"].result(timeout=20)
    print("delete fresh: ok")


def main():
    library, server = sys.argv[1], sys.argv[2]
    kafka_python(server) if library == "kafka-python" else confluent_kafka(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
