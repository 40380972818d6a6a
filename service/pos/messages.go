package pos

import "github.com/termd/termd/protocol"

// The answers this package writes itself. Like every message a POS can
// receive, each is fixed text for the cashier and the POS developer, or
// names a request field; none carries a path, an error chain or a name from
// inside termd.
const (
	msgHeader    = "전문 헤더 오류 (길이 4자리 + 코드 6자리)"
	msgTooLong   = "전문 길이 초과"
	msgFrameLate = "전문 수신 시간 초과"
	msgCharset   = "body 가 EUC-KR 문자열이 아닙니다"
	msgTooMany   = "연결 수 초과"
	msgAuthFirst = "token 인증이 필요합니다 (000001)"
	msgAuthWrong = "token 값이 올바르지 않습니다"
	msgAuthOK    = "인증 완료"
)

// tooManyBody refuses a connection when every slot holds a transaction.
var tooManyBody = []byte(`{"resultCode":"` + protocol.ResultBusy + `","resultMessage":"` + msgTooMany + `"}`)
