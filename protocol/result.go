package protocol

// Result codes (resultCode). The first five come from the terminal document;
// the 900x codes are termd's.
const (
	ResultOK          = "0000" // success
	ResultProcessing  = "0001" // processing, cannot be aborted
	ResultSignWait    = "0010" // waiting for a signature; never final
	ResultUnable      = "9991" // unable to proceed (read-cancel refused)
	ResultFailed      = "9999" // signature timeout, user cancel, read timeout
	ResultBusy        = "9001" // another operation or an unconfirmed result holds the terminal
	ResultInvalid     = "9002" // invalid request
	ResultUnsupported = "9003" // unsupported code
	ResultDevice      = "9004" // terminal unavailable or not answering
	ResultDeclined    = "9005" // declined by the card company
	ResultNoOriginal  = "9006" // no such original / already cancelled / no last transaction
	ResultDuplicate   = "9007" // ptxid already used
	ResultPrinter     = "9008" // printer unavailable
	ResultReversed    = "9009" // not confirmed in time and reversed on the terminal: it no longer stands
)

// Result messages used by more than one part of termd. The Korean ones are
// the terminal document's own wording, which POS programs match on.
const (
	MsgDone           = "완료"
	MsgUnable         = "unable to proceed"
	MsgUserCancel     = "사용자 취소"
	MsgSignTimeout    = "서명시간초과"
	MsgReadTimeout    = "리딩시간초과"
	MsgSignWait       = "서명대기"
	MsgCannotAbort    = "처리중 입니다. 작업을 취소할 수 없습니다."
	MsgConfirmed      = "end of transmission"
	MsgPrinted        = "프린트 정상 출력"
	MsgCodeList       = "코드리스트 정상 조회"
	MsgApproved       = "정상승인"
	MsgCancelled      = "정상취소"
	MsgBusy           = "다른 거래가 진행 중입니다"
	MsgDeviceDown     = "단말기 응답 없음"
	MsgNoOriginal     = "원거래 없음"
	MsgNoLast         = "직전 거래 없음"
	MsgDuplicatePtxid = "이미 처리된 ptxid"
	MsgPrinterDown    = "프린터 응답 없음"
	MsgShutdown       = "termd 종료"
	MsgReversed       = "결과 확인(980001)이 없어 망취소된 거래입니다"
	MsgResolving      = "결과 확인 중"
)

// Final reports whether a result code ends a transaction (0010 does not).
func Final(resultCode string) bool { return resultCode != ResultSignWait }
