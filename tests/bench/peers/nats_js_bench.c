/* nats_js_bench: JetStream produce and consume figures for the peer
 * benchmark (scripts/bench-peers.sh), with Debian's libnats (nats.c 3.4).
 *
 *   nats_js_bench URL publish RECORDS SIZE   recreates stream BENCH (file
 *       storage, subject "bench") and publishes RECORDS messages of SIZE bytes
 *       with js_PublishAsync (at most 4096 unacknowledged), then waits for
 *       every ack;
 *   nats_js_bench URL consume RECORDS        reads RECORDS messages of BENCH
 *       from the start with an ordered push consumer.
 *
 * Prints one line: "<verb>: N records in S s: R records/s". Exit 1 on error.
 */
#include <nats/nats.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_long received;

static void on_msg(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure) {
  (void)nc;
  (void)sub;
  (void)closure;
  atomic_fetch_add(&received, 1);
  natsMsg_Destroy(msg);
}

static int fail(const char* what, natsStatus s, jsErrCode jerr) {
  fprintf(stderr, "nats_js_bench: %s: %s (jerr %d) %s\n", what, natsStatus_GetText(s), (int)jerr,
          nats_GetLastError(NULL) ? nats_GetLastError(NULL) : "");
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: nats_js_bench URL publish RECORDS SIZE | URL consume RECORDS\n");
    return 2;
  }
  const char* url = argv[1];
  const char* mode = argv[2];
  const long records = atol(argv[3]);
  natsConnection* nc = NULL;
  jsCtx* js = NULL;
  jsErrCode jerr = 0;
  natsStatus s = natsConnection_ConnectTo(&nc, url);
  if (s != NATS_OK) return fail("connect", s, 0);
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.MaxPending = 4096;
  jo.Wait = 30000;
  s = natsConnection_JetStream(&js, nc, &jo);
  if (s != NATS_OK) return fail("jetstream", s, 0);

  int64_t start = 0, end = 0;
  if (strcmp(mode, "publish") == 0 && argc >= 5) {
    const int size = atoi(argv[4]);
    js_DeleteStream(js, "BENCH", NULL, NULL); /* absent on the first run */
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    const char* subjects[] = {"bench"};
    sc.Name = "BENCH";
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    s = js_AddStream(NULL, js, &sc, NULL, &jerr);
    if (s != NATS_OK) return fail("add stream", s, jerr);
    char* payload = malloc((size_t)size);
    for (int i = 0; i < size; ++i) payload[i] = (char)('a' + i % 26);
    start = nats_NowInNanoSeconds();
    for (long i = 0; i < records; ++i) {
      s = js_PublishAsync(js, "bench", payload, size, NULL);
      if (s != NATS_OK) return fail("publish", s, 0);
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 60000;
    s = js_PublishAsyncComplete(js, &po);
    if (s != NATS_OK) return fail("publish complete", s, 0);
    end = nats_NowInNanoSeconds();
    free(payload);
    natsMsgList pending;
    if (js_PublishAsyncGetPendingList(&pending, js) == NATS_OK) {
      fprintf(stderr, "nats_js_bench: %d publishes failed\n", pending.Count);
      natsMsgList_Destroy(&pending);
      return 1;
    }
  } else if (strcmp(mode, "consume") == 0) {
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = "BENCH";
    so.Ordered = true;
    natsSubscription* sub = NULL;
    start = nats_NowInNanoSeconds();
    s = js_Subscribe(&sub, js, "bench", on_msg, NULL, NULL, &so, &jerr);
    if (s != NATS_OK) return fail("subscribe", s, jerr);
    natsSubscription_SetPendingLimits(sub, -1, -1);
    const int64_t give_up = start + 120LL * 1000000000LL;
    while (atomic_load(&received) < records && nats_NowInNanoSeconds() < give_up) nats_Sleep(1);
    end = nats_NowInNanoSeconds();
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    if (atomic_load(&received) < records) {
      fprintf(stderr, "nats_js_bench: received %ld of %ld\n", atomic_load(&received), records);
      return 1;
    }
  } else {
    fprintf(stderr, "nats_js_bench: unknown mode %s\n", mode);
    return 2;
  }
  const double seconds = (double)(end - start) / 1e9;
  printf("%s: %ld records in %.3f s: %.0f records/s\n", mode, records, seconds,
         (double)records / seconds);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return 0;
}
