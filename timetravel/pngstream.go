package timetravel

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image/color"
	"io"
)

// EncodePaletted writes a width × height 8-bit indexed PNG whose rows row
// fills, one at a time: the image is never whole in memory (a 4096 × 4096
// canvas at scale 2 would be 64 MiB), only one row and the compressor's
// window. Rows are unfiltered, as image/png does for paletted images.
func EncodePaletted(w io.Writer, width, height int, pal color.Palette, row func(y int, dst []byte)) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	cw := &chunkWriter{w: bw}
	if _, err := bw.WriteString("\x89PNG\r\n\x1a\n"); err != nil {
		return err
	}
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8], ihdr[9] = 8, 3 // bit depth 8, color type indexed
	cw.chunk("IHDR", ihdr[:])
	plte := make([]byte, 0, 3*len(pal))
	trns := make([]byte, 0, len(pal))
	lastAlpha := -1
	for i, c := range pal {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		plte = append(plte, n.R, n.G, n.B)
		trns = append(trns, n.A)
		if n.A != 0xff {
			lastAlpha = i
		}
	}
	cw.chunk("PLTE", plte)
	if lastAlpha >= 0 {
		cw.chunk("tRNS", trns[:lastAlpha+1])
	}
	idat := &idatWriter{cw: cw}
	zw, err := zlib.NewWriterLevel(idat, zlib.BestSpeed)
	if err != nil {
		return err
	}
	line := make([]byte, 1+width) // filter type 0, then the indices
	for y := range height {
		row(y, line[1:])
		if _, err := zw.Write(line); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	idat.flush()
	cw.chunk("IEND", nil)
	if cw.err != nil {
		return cw.err
	}
	return bw.Flush()
}

// chunkWriter writes PNG chunks, keeping the first error.
type chunkWriter struct {
	w   io.Writer
	err error
}

func (c *chunkWriter) chunk(kind string, data []byte) {
	if c.err != nil {
		return
	}
	var head [8]byte
	binary.BigEndian.PutUint32(head[:4], uint32(len(data)))
	copy(head[4:], kind)
	crc := crc32.NewIEEE()
	crc.Write(head[4:])
	crc.Write(data)
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], crc.Sum32())
	for _, b := range [][]byte{head[:], data, tail[:]} {
		if _, err := c.w.Write(b); err != nil {
			c.err = err
			return
		}
	}
}

// idatWriter cuts the compressed stream into IDAT chunks of up to 32 KiB.
type idatWriter struct {
	cw  *chunkWriter
	buf []byte
}

func (w *idatWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if w.buf == nil {
			w.buf = make([]byte, 0, 32<<10)
		}
		k := min(len(p), cap(w.buf)-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == cap(w.buf) {
			w.flush()
		}
	}
	return n, w.cw.err
}

func (w *idatWriter) flush() {
	if len(w.buf) > 0 {
		w.cw.chunk("IDAT", w.buf)
		w.buf = w.buf[:0]
	}
}
