package server

import (
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// deadlineWindows are the days that deadline_within accepts: the search
// page offers each as a one-click choice.
var deadlineWindows = []int{7, 30, 90}

// deadlineWithinParam reads deadline_within: 0 when absent, one of
// deadlineWindows, else a 400 naming the parameter.
func deadlineWithinParam(c *fiber.Ctx) (int, error) {
	v := c.Query("deadline_within")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || !slices.Contains(deadlineWindows, n) {
		return 0, badRequest("deadline_within: must be 7, 30 or 90 (days from now)")
	}
	return n, nil
}
