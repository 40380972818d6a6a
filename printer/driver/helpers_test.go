package driver_test

import (
	"testing"

	"github.com/termd/termd/protocol"
)

const seedJSON = `{ "fontFamily": "Noto Sans Korean", "alert": true, "commands": [ { "command": "logo" }, { "command": "line" }, { "command": "cuttingLine" }, { "command": "br" }, { "command": "left", "fontSize": 20, "message": [ "left test 20px" ] }, { "command": "right", "fontSize": 20, "message": [ "right test 20px" ] }, { "command": "text2", "fontSize": 10, "message": [ "one", "two" ] }, { "command": "text3", "fontSize": 10, "message": [ "one", "two", "three" ] } ] }`

func seedJob(t testing.TB) *protocol.PrintRequest {
	req, err := protocol.DecodeRequest(protocol.CodePrint, []byte(seedJSON), "")
	if err != nil {
		t.Fatal(err)
	}
	return req.(*protocol.PrintRequest)
}
