#!/bin/sh
curl -s -w '%{http_code} %{time_total}\n' -X PUT -H 'Expect:' -H 'x-ms-blob-type: BlockBlob' -H 'content-type: application/pdf' -T /tmp/bx/big.bin "$3"
