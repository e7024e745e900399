package app_test

import (
	"context"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// touch sends one touch event with the given points.
func touch(ctx context.Context, typ input.DispatchTouchEventType, pts ...*input.TouchPoint) error {
	if pts == nil {
		pts = []*input.TouchPoint{}
	}
	_, err := chromedp.Call(ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: pts})
	return err
}

// swipe drags one finger from (x0, y0) to (x1, y1) in steps, as a pan.
func swipe(ctx context.Context, x0, y0, x1, y1 float64, steps int) error {
	if err := touch(ctx, input.DispatchTouchEventTypeTouchStart, &input.TouchPoint{X: x0, Y: y0}); err != nil {
		return err
	}
	for i := 1; i <= steps; i++ {
		f := float64(i) / float64(steps)
		if err := touch(ctx, input.DispatchTouchEventTypeTouchMove, &input.TouchPoint{X: x0 + (x1-x0)*f, Y: y0 + (y1-y0)*f}); err != nil {
			return err
		}
	}
	return touch(ctx, input.DispatchTouchEventTypeTouchEnd)
}
