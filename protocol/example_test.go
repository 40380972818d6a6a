package protocol_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/termd/termd/protocol"
)

func ExampleAppendFrame() {
	var buf []byte
	buf, _ = protocol.AppendFrame(buf, protocol.CodeConfirm, nil)
	buf, _ = protocol.AppendFrame(buf, protocol.CodeSalesSummary, []byte(`{"from":"20240101","to":"20241231"}`))
	fmt.Println(string(buf))

	// The length counts bytes: each Hangul syllable is three in UTF-8.
	one, _ := protocol.AppendFrame(nil, protocol.CodeCardReadCancel, []byte("완료"))
	fmt.Println(string(one[:protocol.HeaderSize]), len(one))
	// Output:
	// 00069800010041050099{"from":"20240101","to":"20241231"}
	// 0012910021 16
}

func ExampleSplit() {
	// Two frames and the start of a third arrive in one read.
	data := []byte(`0006980001` + `0008990001{}` + `00350100`)
	for {
		f, n, err := protocol.Split(data)
		if err != nil {
			fmt.Println("framing lost:", err)
			return
		}
		if n == 0 {
			fmt.Printf("waiting: %d bytes of the next frame\n", len(data))
			return
		}
		fmt.Printf("%s %q\n", f.Code, f.Body)
		data = data[n:]
	}
	// Output:
	// 980001 ""
	// 990001 "{}"
	// waiting: 8 bytes of the next frame
}

func ExampleReader() {
	stream := bytes.NewBufferString(`0006910021` + `0008990001{}` + `00x6555555`)
	r := protocol.NewReader(stream)
	for {
		f, err := r.ReadFrame()
		if errors.Is(err, protocol.ErrFraming) {
			fmt.Println("closing:", err)
			return
		}
		if err == io.EOF {
			return
		}
		fmt.Println(f)
	}
	// Output:
	// 0006910021
	// 0008990001{}
	// closing: bad frame header "00x6555555": byte 3 of the header (length) is 'x', not a digit
}

func ExampleDecodeRequest() {
	body := []byte(`{"priceAmt":11000,"tipAmt":1000,"taxFreeAmt":0,"installment":0,"ptxId":"POS-1"}`)
	v, err := protocol.DecodeRequest(protocol.CodeCreditApproval, body, protocol.ModelT650P)
	if err != nil {
		fmt.Println(err)
		return
	}
	req := v.(*protocol.PaymentRequest)
	// taxAmt was left out, so it is one eleventh of the taxable amount.
	fmt.Println(req.Ptxid, *req.TaxAmt, req.ApprovalAmt())

	_, err = protocol.DecodeRequest(protocol.CodeCreditApproval, []byte(`{"priceAmt":"11000","ptxid":"POS-2"}`), protocol.ModelT650P)
	var fe *protocol.FieldError
	if errors.As(err, &fe) {
		fmt.Println("9002", fe.Field+":", fe.Reason)
	}

	_, err = protocol.DecodeRequest("123456", nil, protocol.ModelT650P)
	fmt.Println(errors.Is(err, protocol.ErrUnknownCode), err)
	// Output:
	// POS-1 1000 12000
	// 9002 priceAmt: must be a number, not a string
	// true message code 123456 is not supported
}

func ExampleMaskCard() {
	fmt.Println(protocol.MaskCard("5361481234561234"))
	fmt.Println(protocol.MaskCard("5361-4812-3456-1234"))
	fmt.Println(protocol.MaskCard("123456789"))
	// Output:
	// 536148******1234
	// 536148******1234
	// 123456***
}
