module mixerd

go 1.26
