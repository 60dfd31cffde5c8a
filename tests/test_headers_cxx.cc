// The public API is usable from C++: every header compiles under a C++
// compiler and the symbols link (extern "C").
#include <flowtap.h>

#include <cstdio>
#include <cstring>

static int
count_packets(const struct ft_packet *pkt, void *user)
{
	(void)pkt;
	++*static_cast<unsigned long *>(user);
	return 0;
}

int
main()
{
	struct ft_config cfg;
	ft_config_init(&cfg);
	cfg.on_packet = count_packets;
	if (std::strcmp(ft_err_name(FT_EINVAL), "FT_EINVAL") != 0) {
		std::fprintf(stderr, "ft_err_name mismatch\n");
		return 1;
	}
	const unsigned char frame[] = {
		0x45, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 10, 200, 0, 1, 10, 200, 0, 2};
	struct ft_decoded d;
	ft_decode(12 /* DLT_RAW */, frame, sizeof frame, sizeof frame, &d);
	if (!(d.layers & FT_LAYER_IP4) || d.ip.proto != 6) {
		std::fprintf(stderr, "decode from C++ failed\n");
		return 1;
	}
	std::printf("%s\n", ft_version());
	return cfg.on_packet != nullptr ? 0 : 1;
}
